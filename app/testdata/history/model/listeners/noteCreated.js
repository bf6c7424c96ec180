// onNoteCreated files a follow-up for a new note whose title asks for one.
function onNoteCreated(event, record) {
    var f = sys.data.createRecord('followups');
    f.field('text').val('follow ' + record.field('title').val());
    f.field('note').val(record);
    sys.data.save(f);
}
