// The authority test app: notes with script logic of every kind, and a
// global action that runs the JavaScript a test sends (tests only).

function shout(record, parentField, action) {
    var t = record.field('title').val();
    return t === null ? null : t.toUpperCase();
}

function checkNotBad(record, parentField, field, action) {
    if (field.val() === 'bad') {
        return {code: 'invalid', message: 'bad is not allowed'};
    }
}

// runAction runs the body of a function the test sent and answers what it
// returned.
function runAction(action) {
    return new Function(action.field('code').val())();
}

// trail is readable (and writable) on notes that are not private, for
// everyone.
function trailVisible(record, parentField, action) {
    return record.field('kind').val() !== 'private';
}

// bumpAction adds one to the counter.
function bumpAction(record, oldRecord, action) {
    record.field('counter').val((record.field('counter').val() || 0) + 1);
    sys.data.save(record);
}
