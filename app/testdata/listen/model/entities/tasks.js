function touchAction(record, oldRecord, action) {
}

function otherAction(record, oldRecord, action) {
}

// renameAction saves the record through sys.data (scriptEvents).
function renameAction(record, oldRecord, action) {
    record.field('name').val(action.field('to').val());
    sys.data.save(record);
}

function pingAction(action) {
    sys.events.triggerEvent('ping', {n: 42});
}
