// Scripts of the contacts entity, named as in the exported sample: the
// metadata says "js/addNoteActions" and "js/contactsRecordLabel", the
// functions are addNoteAction and contactsRecordNameScript (app-model.md
// §8 Q1).

function fullNameValueCalculation(record, parentField, action) {
    var utils = app.commons.stringUtils;
    var first = utils.capitalize(utils.trim(record.field('firstName').val()));
    var last = utils.capitalize(utils.trim(record.field('lastName').val()));
    return utils.trim(first + ' ' + last);
}

function notesUserDefaultValue(record, parentField, action) {
    return sys.context.getCurrentUserRecord();
}

function addNoteAction(record, oldRecord, action) {
    record.field('notes').add({note: action.field('note').val()});
    sys.data.save(record);
}

function contactsRecordNameScript(record) {
    return record.field('fullName').val() + ' (' + record.field('company').label() + ')';
}
