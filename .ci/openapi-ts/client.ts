// A program written against the typed client that openapi-typescript
// generates from the demo app's OpenAPI document (schema.d.ts, made by CI:
// `runway openapi > openapi.json; openapi-typescript openapi.json -o
// schema.d.ts`). CI type-checks it: a document whose types drift from what
// this program expects fails, and so does one that types too loosely (the
// lines marked as expected errors must stay errors).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

type Company = components["schemas"]["companies"];
type NewCompany = components["schemas"]["companies_create"];
type ApiError = components["schemas"]["runway_Error"];
type Job = components["schemas"]["runway_Job"];

export async function demo(baseUrl: string, email: string, password: string): Promise<Company> {
  const client = createClient<paths>({ baseUrl });

  const login = await client.POST("/auth/login", { body: { email, password } });
  if (login.error) {
    throw new Error(`login: ${login.error.code}: ${login.error.message}`);
  }
  const token: string = login.data.token;
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set("token", token);
      return request;
    },
  };
  client.use(auth);

  const acme: NewCompany = {
    name: "Acme",
    state: "active",
    numberOfEmployees: 40,
    isCustomer: true,
    contactInformation: { email: "info@acme.example" },
    addresses: [{ city: "Las Vegas", state: "NV" }],
    lastMeeting: Date.now(),
    rating: "4.5",
  };
  const created = await client.POST("/data/companies", { body: acme });
  if (created.error) {
    const e: ApiError = created.error;
    const fields: string[] = e.errors.map((f) => `${f.field}: ${f.code}`);
    throw new Error(`${e.code}: ${fields.join(", ")}`);
  }
  const company: Company = created.data;
  const id: string = company.id;
  const version: number = company.version;
  const employees: number | undefined = company.numberOfEmployees;
  const state: "active" | "pending" | "inactive" | undefined = company.state;
  const city: string | undefined = company.addresses?.[0]?.city;
  console.log(id, version, employees, state, city);

  const read = await client.GET("/data/companies/{id}", {
    params: { path: { id }, query: { _fields: "name,state" } },
  });
  console.log(read.data?.label);

  const page = await client.GET("/data/companies", {
    params: { query: { _size: 10, _sortField: "name", _sortType: "asc", state: "active,pending" } },
  });
  const total: number | undefined = page.data?.total;
  console.log(total, page.data?.items.length);

  const updated = await client.PUT("/data/companies/{id}", {
    params: { path: { id } },
    body: { version, notes: null, numberOfEmployees: 41 },
  });
  if (updated.error?.code === "optimisticLocking") {
    console.log("changed meanwhile");
  }

  await client.PUT("/data/companies/{ids}/changeState", {
    params: { path: { ids: id } },
    body: { state: "inactive", reason: "audit" },
  });
  const async = await client.PUT("/data/companies/{ids}/changeState", {
    params: { path: { ids: id }, query: { _async: true } },
    body: { state: "active" },
  });
  const ref = async.data as components["schemas"]["runway_JobReference"];
  const job = await client.GET("/status/jobs/{id}", { params: { path: { id: ref.jobId } } });
  const status: Job["status"] | undefined = job.data?.status;
  console.log(status);

  // What the types refuse.
  // @ts-expect-error numberOfEmployees is an integer
  await client.POST("/data/companies", { body: { name: "x", numberOfEmployees: "many" } });
  // @ts-expect-error state is one of the choices
  await client.POST("/data/companies", { body: { name: "x", state: "archived" } });
  // @ts-expect-error name is required
  await client.POST("/data/companies", { body: { state: "active" } });
  // @ts-expect-error no such field
  const misspelt: NewCompany = { name: "x", nmae: "y" };
  console.log(misspelt);
  // @ts-expect-error no such entity
  await client.GET("/data/companiez");
  // @ts-expect-error the reason of changeState is text
  await client.PUT("/data/companies/{ids}/changeState", { params: { path: { ids: id } }, body: { state: "active", reason: 5 } });

  return company;
}
