// Label with a library call.
function customerLabel(record) {
    return app.commons.stringUtils.upper(record.field('name').val());
}
