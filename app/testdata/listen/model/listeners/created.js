function log(what, event, record, oldRecord, extra) {
    var l = sys.data.createRecord('logs');
    l.field('listener').val(what);
    l.field('event').val(event.dataEvent || event.type);
    l.field('name').val(record ? record.field('name').val() : null);
    l.field('old').val(oldRecord ? oldRecord.field('name').val() : null);
    var u = sys.context.getCurrentUser();
    l.field('user').val(u ? u.email() : null);
    l.field('extra').val(extra === undefined ? null : JSON.stringify(extra));
    sys.data.save(l);
}
function onCreated(event, record, oldRecord) {
    log("created", event, record, oldRecord, {hint: record.field("hint").val(), pin: record.field("pin").val(), old: oldRecord === null});
}
