package record

import (
	"reflect"
	"testing"
)

// decodeSeeds are documents of every shape the fast reader takes and some
// it leaves to encoding/json (escapes, invalid UTF-8, numbers out of
// grammar, trailing commas).
var decodeSeeds = []string{
	`{"id":"a1","version":3,"label":"L","name":"x","n":12,"f":-1.5e3,"b":true,"c":false,"z":null}`,
	`{"id":"a1","nested":{"a":[1,2,{"b":"c"}],"e":[]},"o":{}}`,
	` { "id" : "a1" , "s" : "tab\there \"q\" \u00e9 \ud83d\ude00" } `,
	`{"id":"a1","u":"é ü 😀","n":0,"m":-0,"k":1E+2,"dup":1,"dup":2}`,
	`{"id":"a1","bad":"\xff"}`,
	`{"id":"a1","big":123456789012345678901234567890}`,
	`{"id":"a1","x":01}`,
	`{"id":"a1","x":[1,]}`,
	`{"id":"a1","x":"a\/b\\c"}`,
	`{"id":"a1"} trailing`,
	`null`,
}

// sameDecode fails unless the fast reader (decodeObject) answers doc as
// encoding/json does: the same values, or both an error.
func sameDecode(t *testing.T, doc []byte) {
	t.Helper()
	v1, err1 := decodeJSON(doc)
	v2, err2 := decodeObject(doc)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("%q: errors %v (encoding/json) / %v (fast)", doc, err1, err2)
	}
	if err1 == nil && !reflect.DeepEqual(v1, v2) {
		t.Errorf("%q:\n encoding/json %#v\n fast          %#v", doc, v1, v2)
	}
}

func TestDecodeFastLikeEncodingJSON(t *testing.T) {
	for _, doc := range decodeSeeds {
		sameDecode(t, []byte(doc))
	}
	// the fast reader is what answers the common case (not the fallback)
	d := jsonDec{b: []byte(decodeSeeds[1])}
	if _, ok := d.object(); !ok {
		t.Errorf("the fast reader refused %s", decodeSeeds[1])
	}
}

func FuzzDecode(f *testing.F) {
	for _, doc := range decodeSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(sameDecode)
}
