function onBScript(event, record, oldRecord) {}
function cond(record, oldRecord) { return true; }
