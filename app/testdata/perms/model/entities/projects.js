// archiveAction answers what it was given: the record's name and the
// parameters as the caller's groups let them through.
function archiveAction(record, oldRecord, action) {
    return {name: record.field('name').val(), reason: action.field('reason').val(),
        notify: action.field('notify').val()};
}
