// onBgSave saves the record it was given (its version is the one written).
function onBgSave(event, record, oldRecord) {
    record.field('count').val(record.field('count').val() + 100);
    sys.data.save(record);
}
