// archiveAction answers what it was given: the record's name and the
// parameters as the caller's groups let them through.
function archiveAction(record, oldRecord, action) {
    return {name: record.field('name').val(), reason: action.field('reason').val(),
        notify: action.field('notify').val()};
}

// probeAction does one sys.data operation on projects (the permission
// matrix's sys.data cases): with the app's authority, or with the
// caller's own permissions when check is true; what the script saw, or
// the code of the exception it got.
function probeAction(action) {
    var op = action.field('op').val(), id = action.field('target').val();
    var opts = {checkPermissions: action.field('check').val() === true};
    try {
        switch (op) {
        case 'findById':
            var r = sys.data.findById('projects', id, opts);
            return {record: r === null ? null : r.toJSON()};
        case 'find':
            var names = [], rs = sys.data.find('projects', {name: 'like(fx-)'}, opts);
            while (rs.hasNext()) {
                var x = rs.next();
                names.push(x.field('name').val());
            }
            return {names: names, count: sys.data.count('projects', {name: 'like(fx-)'}, opts)};
        case 'update':
            var u = sys.data.findById('projects', id, opts);
            if (u === null) {
                return {record: null};
            }
            u.field('name').val(u.field('name').val() + '!');
            sys.data.save(u, opts);
            return {saved: sys.data.findById('projects', id, opts) !== null};
        case 'create':
            var c = sys.data.createRecord('projects');
            c.field('name').val('probe-' + id);
            c.field('status').val('open');
            c.field('secret').val('from-script');
            sys.data.save(c, opts);
            return {created: c.id()};
        case 'internal':
            // internal is readAccess never: a save drops it, unless it
            // says filterByReadWriteAccess: false.
            var n = sys.data.createRecord('projects');
            n.field('name').val('internal-' + id);
            n.field('internal').val('dropped');
            sys.data.save(n, opts);
            var dropped = n.field('internal').isEmpty() && sys.data.findById('projects', n.id(), opts).field('internal').isEmpty();
            n.field('internal').val('kept');
            sys.data.save(n, {filterByReadWriteAccess: false, checkPermissions: opts.checkPermissions});
            return {dropped: dropped, kept: n.field('internal').val(), hidden: sys.data.findById('projects', n.id()).field('internal').isEmpty()};
        case 'updateTeam':
            var t = sys.data.findById('teams', id, opts);
            if (t === null) {
                return {record: null};
            }
            t.field('name').val(t.field('name').val() + '!');
            sys.data.save(t, opts);
            return {saved: true};
        case 'aggregate':
            return {items: sys.data.aggregate('projects', [{match: {name: 'like(fx-)'}},
                {group: {by: 'status', n: 'count()'}}], opts).toArray()};
        case 'remove':
            var d = sys.data.findById('projects', id, opts);
            if (d === null) {
                return {record: null};
            }
            sys.data.remove(d, opts);
            return {removed: true};
        case 'me':
            return {email: sys.context.getCurrentUser().email()};
        }
    } catch (e) {
        return {error: sys.exceptions.getCode(e)};
    }
    return {error: 'unknown op'};
}
