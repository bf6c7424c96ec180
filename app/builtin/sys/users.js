// Built-in scripts of sys.users (app-model.md §6.1). The data service computes
// fullName and emailStandardized natively; these functions are the scripted
// equivalents for the scripting engine.

function fullNameCalculation(record, parentField, action) {
    var first = record.field('firstName').isEmpty() ? '' : record.field('firstName').val();
    var last = record.field('lastName').isEmpty() ? '' : record.field('lastName').val();
    return first + ' ' + last;
}

function emailStandardizedCalculation(record, parentField, action) {
    return record.field('email').isEmpty() ? null : record.field('email').val().trim().toLowerCase();
}

function activateAction(record, oldRecord, action) {
    return sys.internal.users.activate(record);
}

function deactivateAction(record, oldRecord, action) {
    return sys.internal.users.deactivate(record);
}

function unblockAction(record, oldRecord, action) {
    return sys.internal.users.unblock(record);
}

function resetPasswordAction(record, oldRecord, action) {
    return sys.internal.users.resetPassword(record, {notifyUser: true});
}
