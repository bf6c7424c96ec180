// Scripts of the contacts entity.

function fullNameCalculation(record, parentField, action) {
    var first = record.field('firstName').isEmpty() ? '' : record.field('firstName').val();
    var last = record.field('lastName').isEmpty() ? '' : record.field('lastName').val();
    return (first + ' ' + last).trim();
}

// Referenced as "js/addNoteActions" (resolved per app-model.md §8 Q1).
function addNoteAction(record, oldRecord, action) {
    record.field('notes').add({note: action.field('note').val()});
    sys.data.save(record);
    return record;
}
