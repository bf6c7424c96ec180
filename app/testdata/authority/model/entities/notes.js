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

// appendAction appends its mark to the body of the record and counts,
// once the note titled by the gate parameter has the body "open": slow on
// purpose, so a test can run two actions on one record at once. It logs
// "started <mark>" first.
function appendAction(record, oldRecord, action) {
    var mark = action.field('mark').val();
    logLine('started ' + mark);
    waitForGate(action.field('gate').val());
    record.field('body').val((record.field('body').val() || '') + mark);
    record.field('counter').val((record.field('counter').val() || 0) + 1);
    sys.data.save(record);
}

// waitForGate waits until the note titled title has the body "open".
function waitForGate(title) {
    while (sys.data.findOne('notes', {title: title}).field('body').val() !== 'open') {
        sys.utils.script.wait(10);
    }
}

function logLine(message) {
    var l = sys.data.createRecord('logs');
    l.field('message').val(message);
    sys.data.save(l);
}
