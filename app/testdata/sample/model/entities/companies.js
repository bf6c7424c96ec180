// Scripts of the companies entity ("js/activateActions" → activateAction,
// app-model.md §8 Q1).

function activateAction(record, oldRecord, action) {
    record.field('status').val('active');
    sys.data.save(record);
}

function deactivateAction(record, oldRecord, action) {
    record.field('status').val('inactive');
    sys.data.save(record);
}
