// Script conditions of the jsReaders group (record, parentField, action).

// canRead: public and shared notes, and those titled with the reader's
// email; a "trap" note tries to write, which a condition may not.
function canRead(record) {
    var kind = record.field('kind').val();
    if (kind === 'trap') {
        var l = sys.data.createRecord('logs');
        l.field('message').val('written by a condition');
        sys.data.save(l);
    }
    return kind === 'public' || kind === 'shared' || record.field('title').val() === sys.context.getCurrentUser().email();
}

function canUpdate(record) {
    return record.field('kind').val() === 'shared';
}

function bodyVisible(record) {
    return (record.field('counter').val() || 0) > 5;
}

function canBump(record) {
    return (record.field('counter').val() || 0) < 3;
}
