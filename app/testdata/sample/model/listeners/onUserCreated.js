// Listener of the sample: hands the new user to the platform
// (sys.internal, app-model.md §7) and logs it.
function actionScript(event, record, oldRecord) {
    sys.internal.users.onUserCreated(record);
    sys.logs.info('sample: user created: ' + record.field('email').val());
}
