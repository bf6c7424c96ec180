// onCompanyActivated runs when a company becomes active (its state was
// something else before, or it had none): it writes a line to the server
// log with who activated it and what the state was.
function onCompanyActivated(event, record, oldRecord) {
    var who = sys.context.getCurrentUser();
    var was = oldRecord.field('state').isEmpty() ? 'no state' : oldRecord.field('state').val();
    sys.logs.info('Company ' + record.label() + ' activated by ' + (who ? who.email() : 'the system') + ' (was ' + was + ')');
}
