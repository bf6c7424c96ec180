// Scripts of the companies entity.

// Label of an address item: "<state> - <zipCode>", e.g. "NV - 89145".
function addressLabel(record, nested) {
    return nested.field('state').val() + ' - ' + nested.field('zipCode').val();
}

// One-record action with parameters: sets the state and, when a reason is
// given, appends it to the notes. The answer is the record after it.
function changeStateAction(record, oldRecord, action) {
    var reason = action.field('reason').val();
    record.field('state').val(action.field('state').val());
    if (reason) {
        var notes = record.field('notes').isEmpty() ? '' : record.field('notes').val() + '\n';
        record.field('notes').val(notes + oldRecord.field('state').val() + ' → ' +
            action.field('state').val() + ': ' + reason);
    }
    sys.data.save(record);
}

// Many-records action with a custom response: how many companies the
// request selects, their employees and how many are customers.
function employeeSummaryAction(query, action) {
    var companies = 0, employees = 0, customers = 0;
    var rs = sys.data.find(query);
    while (rs.hasNext()) {
        var c = rs.next();
        companies++;
        if (c.field('numberOfEmployees').isNotEmpty()) {
            employees += c.field('numberOfEmployees').val();
        }
        if (c.field('isCustomer').val()) {
            customers++;
        }
    }
    return {companies: companies, employees: employees, customers: customers};
}
