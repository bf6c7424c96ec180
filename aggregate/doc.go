// Package aggregate reads the aggregate pipeline of PUT
// /data/{entity}/aggregate (query-language.md §6) into a typed AST, and
// evaluates it in Go over a streaming cursor. The evaluator is the
// reference: the SQL compilers of the stores must give the same answers,
// which this comment defines.
//
// # Documents
//
// A pipeline starts from the entity's records in native JSON (the stored
// document: id, version, label and the fields), in id order (ascending),
// restricted by Pipeline.Where (the caller's read condition; the source
// applies it, the evaluator does not). A document is decoded JSON (Doc:
// numbers as json.Number). Every stage knows the Shape of the documents it
// emits — which members exist, with which field type — so later stages
// validate their paths against it and an SQL compiler knows every output
// type. A missing member and a JSON null are the same ("null").
//
// Paths are dotted member names resolved against the incoming shape like
// filter keys (query-language.md §2.1): nested fields, relationship id /
// label / copied fields, file id / name, group id / label. "id", "version"
// and "label" name the system members while the documents carry them.
//
// # Stages
//
//   - match: the filter map of §6.5 (query.ParseMap against the shape),
//     evaluated with query.Match — the semantics of a list filter, so a
//     leading match can run in the store with its indexes.
//   - sort: keys in order, each asc or desc, with the list sort's order
//     (query.Compare: nulls first ascending and last descending, numbers
//     before text, text bytewise, big numbers by value, booleans false
//     before true). A bare relationship or group sorts by its label, a file
//     by its name, a dynamic choice by its selected value. Ties keep their
//     input order (the sort is stable). Multi-valued paths, nested groups,
//     geo points and sensitive fields cannot be sort keys.
//   - skip n / limit n: drop / keep the first n (n ≥ 1).
//   - project "a,b.c": documents with only those paths, plus id when the
//     input has one. A parent keeps all of its value; a path into a nested
//     group keeps only the listed inner members of its object (of each
//     element when multi-valued; nested items keep no id or label unless
//     listed — they cannot be). Members missing in a document stay missing.
//     Only field paths (no relationship sub-paths); "version" and "label"
//     may be listed.
//   - group: one document per distinct tuple of `by` values (no by: one
//     group, also over no input at all). Keys compare numbers by value and
//     text bytewise; null is a key of its own. A bare relationship or group
//     field groups by its id and answers {id, label}, a file {id, name} —
//     the label or name of the group's first document. Each by value is
//     written at its path (owner.id → {"owner": {"id": …}}), then each
//     accumulator, in the order written; every key is present (null when
//     there is no value). Groups come out ordered by their key values
//     ascending (query.Compare per by path, the id for bare relationships,
//     groups and files). By paths may not be multi-valued or cross an
//     array, nor be nested groups, geo points or dynamic choices.
//   - count "name": one document {"name": n}, also n = 0 over no input.
//   - unwind {fieldPath, includeEmpty}: one document per element of the
//     multi-valued field, which then holds that element (a non-array value
//     counts as one element). A null or empty field gives one document with
//     the field set to null (where the object holding it exists) when
//     includeEmpty is true (default false), else none.
//     Only the last step of the path may be multi-valued (unwind outer
//     arrays first).
//   - lookup {localFieldPath, foreignFieldPath, foreignEntityName, as}: adds
//     `as`: the array of the foreign entity's records (native JSON, as the
//     caller may read them, restricted by Lookup.Where) whose foreign path
//     equals a local value, in id order, each record once; [] when none.
//     Equality is exact JSON equality (numbers by value, text bytewise); a
//     bare relationship, group or file path stands for its id; a
//     multi-valued path on either side matches through any element. `as`
//     replaces a member of that name.
//   - geoNear (first stage only): documents whose key field holds a point
//     within [minDistance, maxDistance] metres (haversine, query.Distance)
//     of coordinates, nearest first (ties in id order), with distanceField =
//     the distance × distanceMultiplier and includeLocs = the point used;
//     the nearest point counts when the field holds several (multi-valued
//     or inside an array). Documents without a point are dropped.
//
// # Accumulators
//
//   - count(): documents in the group.
//   - sum(f): the exact sum of the numbers (integer, autoIncrement,
//     decimal, money, percentage, bigNumber, duration); nulls and values
//     that are not numbers are skipped; 0 when there are none. Decimals and
//     money add as the decimal numbers written in the documents, so 0.1 +
//     0.2 is 0.3; integers never overflow. The result has the field's JSON
//     form: a number, a decimal string for bigNumber.
//   - avg(f): sum / count of the numbers (nulls not counted); null when
//     there are none. A number: the float64 nearest to the exact mean; for
//     bigNumber a decimal string rounded half away from zero to 34
//     significant digits and at most 34 fraction digits.
//   - first(f) / last(f): the value in the group's first / last document in
//     input order (after a sort, the sort's order), null when it has none.
//   - min(f) / max(f): the smallest / largest non-null value under
//     query.Compare (the first one met among equal values); null when none.
//
// Types per query-language.md §7.2; an accumulator over a multi-valued
// path, or sum/avg/min/max over a sensitive field, is refused.
//
// # Memory
//
// Stages that must hold documents — sort, group (its groups), geoNear,
// lookup (the foreign records of one batch, and of one document), and the
// answer itself — hold at most Env.MaxItems (DefaultMaxItems) of them; one
// more is a 400 naming the stage. A sort followed by limit (with or
// without a skip between) keeps only skip + limit documents (top-k).
// Everything else streams, and a limit stops reading the source.
package aggregate
