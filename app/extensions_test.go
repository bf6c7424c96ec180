package app

import (
	"os"
	"testing"
)

func TestSampleExtensions(t *testing.T) {
	a, probs, err := Load(os.DirFS("testdata/sample"))
	if err != nil || len(probs) > 0 {
		t.Fatalf("load: %v %v", err, probs)
	}
	if len(a.Services) != 1 {
		t.Fatalf("services = %+v", a.Services)
	}
	s := a.Services[0]
	if s.Name != "http" || s.Type != "http" || s.Config["readTimeout"] != "60000" || s.File != "extensions/services/http.json" {
		t.Errorf("service = %+v", s)
	}
	if len(a.Packages) != 1 {
		t.Fatalf("packages = %+v", a.Packages)
	}
	p := a.Packages[0]
	if p.Name != "http" || p.Version != "v2.0.16" || p.Code != "builtin" || p.Services["http"] != "http" {
		t.Errorf("package = %+v", p)
	}
	// The app's values over the package's defaults.
	if p.Config["authType"] != "no" || p.Config["followRedirects"] != "enable" || p.Config["baseUrl"] != nil {
		t.Errorf("package config = %v", p.Config)
	}
	if p.DynamicConfig != "js/dynamicConfig" || p.Script == nil || p.Script.Functions["dynamicConfig"] == nil {
		t.Errorf("dynamicConfig %q in %+v", p.DynamicConfig, p.Script)
	}
	if len(p.Libraries) != 1 || p.Libraries[0].Namespace != "api" || p.Libraries[0].Script.File != "builtin/packages/http/scripts/api.js" {
		t.Errorf("libraries = %+v", p.Libraries)
	}
}

func TestBrokenExtensions(t *testing.T) {
	_, probs, err := Load(os.DirFS("testdata/broken-extensions"))
	if err == nil {
		t.Fatal("broken extensions must fail the load")
	}
	var errs, warns []Problem
	for _, p := range probs {
		if p.Warning {
			warns = append(warns, p)
		} else {
			errs = append(errs, p)
		}
	}
	assertProblems(t, errs, false, []string{
		"extensions/services/one.json|name",
		"extensions/services/two.json|serviceType",
		"extensions/packages/http.json|dependencies[0].serviceInstance",
		"extensions/packages/http.json|dependencies",
		"extensions/packages/own.json|dynamicConfig",
		"extensions/packages/own.json|",
		"extensions/packages/own/package.json|dependencies[1].type",
		"extensions/packages/own/package.json|metadata[1].path",
	})
	assertProblems(t, warns, true, []string{
		"extensions/packages/own/package.json|metadata[2]",
	})
}
