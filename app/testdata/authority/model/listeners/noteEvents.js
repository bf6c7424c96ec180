// onNote logs every record event of notes: "<event> <title>".
function onNote(event, record, oldRecord) {
    var l = sys.data.createRecord('logs');
    l.field('message').val(event.dataEvent + ' ' + record.field('title').val());
    sys.data.save(l);
}
