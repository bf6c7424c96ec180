package aggregate

import "testing"

// demoWorld is a few records of the demo app, given out of id order.
func demoWorld(t testing.TB) world {
	return world{
		"companies": docs(t, `[
 {"id":"000000000000000000000c03","version":1,"label":"Gamma","name":"Gamma","state":"active","type":"b","numberOfEmployees":7,"isCustomer":false,
  "addresses":[{"id":"a31","label":"L3","city":"Lyon"}],"rating":"0.1","lastMeeting":3000},
 {"id":"000000000000000000000c01","version":0,"label":"Acme","name":"Acme","state":"active","type":"a","numberOfEmployees":10,"isCustomer":true,
  "contactInformation":{"id":"ci1","label":"","email":"info@acme.com"},
  "addresses":[{"id":"a11","label":"L1","city":"Lyon","state":"RA"},{"id":"a12","label":"L2","city":"Paris"}],"rating":"1.5","lastMeeting":1000},
 {"id":"000000000000000000000c02","version":0,"label":"Beta","name":"Beta","state":"pending","type":"b","numberOfEmployees":5,"isCustomer":false,
  "addresses":[],"rating":"2.25","lastMeeting":2000},
 {"id":"000000000000000000000c04","version":0,"label":"Delta","name":"Delta","type":"a","isCustomer":false,"rating":"0.2"},
 {"id":"000000000000000000000c05","version":0,"label":"Epsilon","name":"Epsilon","state":"inactive","numberOfEmployees":0,"isCustomer":true,
  "addresses":[{"id":"a51","label":"L5","city":"Nice"}]},
 {"id":"000000000000000000000c06","version":2,"label":"Zeta","name":"Zeta","state":"active","numberOfEmployees":12,"isCustomer":false,
  "rating":"9999999999999999999999999999999999"}
]`),
		"contacts": docs(t, `[
 {"id":"000000000000000000000k01","version":0,"label":"Ann Lee","firstName":"Ann","lastName":"Lee","fullName":"Ann Lee","email":"ann@acme.com",
  "company":{"id":"000000000000000000000c01","label":"Acme"},"skills":[{"id":"000000000000000000000s01","label":"Go"},{"id":"000000000000000000000s02","label":"SQL"}],
  "numberOfSkills":2,"phoneNumbers":["+1 555 0101"]},
 {"id":"000000000000000000000k02","version":0,"label":"Bob Ray","firstName":"Bob","lastName":"Ray","fullName":"Bob Ray",
  "company":{"id":"000000000000000000000c01","label":"Acme"},"skills":[{"id":"000000000000000000000s02","label":"SQL"}],"numberOfSkills":1,"phoneNumbers":[]},
 {"id":"000000000000000000000k03","version":0,"label":"Cid Roe","firstName":"Cid","lastName":"Roe","fullName":"Cid Roe",
  "company":{"id":"000000000000000000000c03","label":"Gamma"},"skills":[],"numberOfSkills":0,"phoneNumbers":[]},
 {"id":"000000000000000000000k04","version":0,"label":"Dee Fox","firstName":"Dee","lastName":"Fox","fullName":"Dee Fox",
  "skills":[{"id":"000000000000000000000s03","label":"French"}],"phoneNumbers":[]}
]`),
		"skills": docs(t, `[
 {"id":"000000000000000000000s01","version":0,"label":"Go","name":"Go","category":"technical"},
 {"id":"000000000000000000000s02","version":0,"label":"SQL","name":"SQL","category":"technical"},
 {"id":"000000000000000000000s03","version":0,"label":"French","name":"French","category":"language"}
]`),
	}
}

// kitchenWorld holds things with every number type, for exact sums.
func kitchenWorld(t testing.TB) world {
	return world{
		"things": docs(t, `[
 {"id":"0000000000000000000000t1","version":0,"label":"t1","text":"b","money":0.1,"decimal":1.005,"percentage":0.5,"duration":1000,"integer":9007199254740993,
  "bigNumber":"0.1","date":"2024-03-01","time":"10:30","boolean":true,"choice":"b",
  "owner":{"id":"000000000000000000000p01","label":"Pat"},"group":{"id":"0000000000000000000000g1","label":"Team"},
  "fileUpload":{"id":"0000000000000000000000f1","name":"a.png"},"geoPoint":{"latitude":-34.6,"longitude":-58.4}},
 {"id":"0000000000000000000000t2","version":0,"label":"t2","text":"a","money":0.2,"decimal":2,"percentage":0.25,"duration":500,"integer":1,
  "bigNumber":"0.2","date":"2023-12-31","time":"09:00","boolean":false,"choice":"a",
  "owner":{"id":"000000000000000000000p01","label":"Pat"},"fileUpload":{"id":"0000000000000000000000f1","name":"a.png"},
  "geoPoint":{"latitude":-34.61,"longitude":-58.41}},
 {"id":"0000000000000000000000t3","version":0,"label":"t3","text":"c","money":0.3,"decimal":-0.005,"integer":9223372036854775807,
  "bigNumber":"-0.3","owner":{"id":"000000000000000000000p02","label":"Quinn"},"geoPoint":{"latitude":48.85,"longitude":2.35}},
 {"id":"0000000000000000000000t4","version":0,"label":"t4","integer":9223372036854775807}
]`),
	}
}
