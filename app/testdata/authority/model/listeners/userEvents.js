// onUser logs the record events of users: "<event> <email> <status>".
function onUser(event, record, oldRecord) {
    var l = sys.data.createRecord('logs');
    l.field('message').val(event.dataEvent + ' ' + record.field('email').val() + ' ' + record.field('status').val());
    sys.data.save(l);
}
