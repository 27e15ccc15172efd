package dataset

import _ "embed"

// Schema is the dataset's JSON Schema (draft 2020-12), also published as
// config/schema/dataset.schema.json for editors and the portal.
//
//go:embed schema.json
var Schema []byte
