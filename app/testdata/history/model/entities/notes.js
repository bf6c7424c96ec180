// closeAction closes the note from a script (a SCRIPT change inside a USER
// action) and says so in the app log.
function closeAction(record) {
    record.field('status').val('closed');
    sys.data.save(record);
    sys.logs.info('closed ' + record.label());
}

// probeAction reads a note's history through record.auditLogs() and logs
// at every level.
function probeAction(action) {
    var r = sys.data.findById('notes', action.field('id').val());
    if (r === null) {
        return {found: false};
    }
    var opts = action.field('find').val();
    var logs = r.auditLogs().find(opts ? JSON.parse(opts) : undefined);
    var types = [], users = [];
    for (var i = 0; i < logs.length; i++) {
        types.push(logs[i].eventType());
        users.push(logs[i].user());
    }
    var created = r.auditLogs().createLog(), modified = r.auditLogs().lastModifiedLog();
    sys.logs.debug('probe debug');
    sys.logs.warn('probe warn', new Error('boom'));
    sys.logs.error('probe error');
    return {found: true, types: types, users: users, ids: logs.map(function (l) { return l.id(); }),
        categories: logs.map(function (l) { return l.eventCategory(); }),
        first: logs.length > 0 ? {old: logs[0].oldRecord(), new: logs[0].newRecord(), ip: logs[0].ip(), timestamp: logs[0].timestamp()} : null,
        creator: created === null ? null : created.user(),
        createdType: created === null ? null : created.eventType(),
        modifiedBy: modified === null ? null : modified.user()};
}

// scriptedAction creates a note, changes it and deletes it from a script.
function scriptedAction(action) {
    var n = sys.data.createRecord('notes');
    n.field('title').val(action.field('title').val());
    n.field('status').val('open');
    sys.data.save(n);
    n.field('amount').val(12.5);
    sys.data.save(n);
    var id = n.id();
    sys.data.remove(n);
    return {id: id};
}
