package data

import (
	"reflect"
	"testing"

	"runway/record"
)

// TestDecodeDocLikeRecordDecode: the export's decoder reads every document
// into the values record.Decode gives.
func TestDecodeDocLikeRecordDecode(t *testing.T) {
	docs := []string{
		`{"id":"a1","version":3,"label":"L","name":"x","n":12,"f":-1.5e3,"b":true,"c":false,"z":null}`,
		`{"id":"a1","nested":{"a":[1,2,{"b":"c"}],"e":[]},"o":{}}`,
		` { "id" : "a1" , "s" : "tab\there \"q\" \u00e9 \ud83d\ude00" } `,
		`{"id":"a1","u":"é ü 😀","n":0,"m":-0,"k":1E+2,"dup":1,"dup":2}`,
		`{"id":"a1","bad":"\xff"}`,
		`{"id":"a1","big":123456789012345678901234567890}`,
		`{"id":"a1","x":01}`,
		`{"id":"a1","x":[1,]}`,
		`{"id":"a1","x":"a\/b\\c"}`,
	}
	for _, doc := range docs {
		id1, _, label1, v1, err1 := record.Decode([]byte(doc))
		id2, label2, v2, err2 := fastDecode([]byte(doc))
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%s: errors %v / %v", doc, err1, err2)
		}
		if err1 != nil {
			continue
		}
		if id1 != id2 || label1 != label2 || !reflect.DeepEqual(v1, v2) {
			t.Errorf("%s:\n record.Decode %q %q %#v\n fastDecode     %q %q %#v", doc, id1, label1, v1, id2, label2, v2)
		}
	}
}
