function nicknameDefault(record, parentField, action) { return 'nick'; }
function sayHiAction(record, oldRecord, action) { return 'hi'; }
function activateAction(record, oldRecord, action) { return 'overridden'; }
