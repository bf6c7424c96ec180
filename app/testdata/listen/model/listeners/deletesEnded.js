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
function onJob(event) {
    log("deletesEnded", event, null, null, {jobType: event.jobType, jobEvent: event.jobEvent, hasId: !!event.jobId});
}
