/* Entity b.
   function commentedOut(record) {}  -- inside a block comment
*/
// function lineCommented(record) {}

function bRecordNameScript(record) {
    var s = "function inString(record) {";
    var t = `template ${ (function insideTemplate() { return "}"; })() } function inTemplate() {}`;
    return s + t;
}

function validateV(record, parentField, field, action) {
    function nestedHelper(x) { return x; }
    return nestedHelper(null);
}

function itemLabel(record, nested) { return nested.field('x').val(); }

function xDefault(record, parentField, action) { return 'x'; }

function vRequired(record, parentField, action) { return true; }

function doItAction(record, oldRecord, action) { return 1; }

function otherAction(record, oldRecord, action) { return 2; }

function bulkAction(query, action) { return 3; }

function checkRecord(record) { return []; }
