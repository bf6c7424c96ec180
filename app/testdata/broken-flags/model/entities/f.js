function calc(record, parentField, action) { return null; }
