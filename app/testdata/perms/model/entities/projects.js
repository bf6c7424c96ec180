// archiveAction answers what it was given: the record's name and the
// parameters as the caller's groups let them through.
function archiveAction(record, oldRecord, action) {
    return {name: record.field('name').val(), reason: action.field('reason').val(),
        notify: action.field('notify').val()};
}

// probeAction does one sys.data operation on projects as the caller (the
// permission matrix's sys.data cases): what the script saw, or the code of
// the exception it got.
function probeAction(action) {
    var op = action.field('op').val(), id = action.field('target').val();
    try {
        switch (op) {
        case 'findById':
            var r = sys.data.findById('projects', id);
            return {record: r === null ? null : r.toJSON()};
        case 'find':
            var names = [], rs = sys.data.find('projects', {name: 'like(fx-)'});
            while (rs.hasNext()) {
                var x = rs.next();
                names.push(x.field('name').val());
            }
            return {names: names, count: sys.data.count('projects', {name: 'like(fx-)'})};
        case 'update':
            var u = sys.data.findById('projects', id);
            if (u === null) {
                return {record: null};
            }
            u.field('name').val(u.field('name').val() + '!');
            sys.data.save(u);
            return {saved: sys.data.findById('projects', id) !== null};
        case 'create':
            var c = sys.data.createRecord('projects');
            c.field('name').val('probe-' + id);
            c.field('status').val('open');
            c.field('secret').val('from-script');
            sys.data.save(c);
            return {created: c.id()};
        case 'updateTeam':
            var t = sys.data.findById('teams', id);
            if (t === null) {
                return {record: null};
            }
            t.field('name').val(t.field('name').val() + '!');
            sys.data.save(t);
            return {saved: true};
        case 'aggregate':
            return {items: sys.data.aggregate('projects', [{match: {name: 'like(fx-)'}},
                {group: {by: 'status', n: 'count()'}}]).toArray()};
        case 'remove':
            var d = sys.data.findById('projects', id);
            if (d === null) {
                return {record: null};
            }
            sys.data.remove(d);
            return {removed: true};
        }
    } catch (e) {
        return {error: sys.exceptions.getCode(e)};
    }
    return {error: 'unknown op'};
}
