// Scripts of the orders entity (test app of the scripting engine).

function orderLabel(record) {
    return record.field('number').val() + ' (' + record.field('status').val() + ')';
}

function checkOrder(record) {
    if (record.field('amount').isNotEmpty() && record.field('amount').val() < 0) {
        return [{path: 'amount', code: 'invalid', message: 'Amount cannot be negative'}];
    }
    return [];
}

function taxCalculation(record, parentField, action) {
    if (record.field('amount').isEmpty()) {
        return null;
    }
    return Math.round(record.field('amount').val() * 10) / 100;
}

function codeDefault(record, parentField, action) {
    return app.commons.stringUtils.trim('  ORD-' + record.field('number').val() + '  ');
}

function priorityRequired(record, parentField, action) {
    return record.field('amount').isNotEmpty() && record.field('amount').val() > 1000;
}

function validateEmail(record, parentField, field, action) {
    if (!/\.test$/.test(field.val())) {
        return {code: 'invalid', message: 'Use a .test address'};
    }
}

function validateTag(record, parentField, field, action) {
    if (field.val().indexOf(' ') >= 0) {
        return {code: 'invalid', message: 'Tags have no spaces'};
    }
}

function lineLabel(record, nested) {
    return nested.field('qty').val() + ' × ' + nested.field('product').val();
}

function qtyDefault(record, parentField, action) {
    return 1;
}

function addedByDefault(record, parentField, action) {
    // parentField is the new line; parent() walks up to the order.
    return sys.context.getCurrentUser().email() + ' on ' + parentField.parent().field('number').val();
}

function lineSubtotal(record, parentField, action) {
    if (parentField.field('price').isEmpty()) {
        return null;
    }
    return parentField.field('qty').val() * parentField.field('price').val();
}

function closeAction(record, oldRecord, action) {
    record.field('status').val('closed');
    record.field('note').val(action.field('reason').val());
    sys.data.save(record);
}

function summaryAction(record, oldRecord, action) {
    return {number: record.field('number').val(), amount: record.field('amount').val(),
        tax: record.field('tax').val(), label: record.label()};
}

function totalAction(query, action) {
    var count = 0, sum = 0;
    var rs = sys.data.find(query);
    while (rs.hasNext()) {
        var r = rs.next();
        count++;
        sum += r.field('amount').isEmpty() ? 0 : r.field('amount').val();
    }
    return {count: count, sum: sum, counted: sys.data.count(query)};
}

function statsAction(action) {
    return {orders: sys.data.count('orders', {}), open: sys.data.count('orders', {status: 'open'})};
}

function boomAction(record, oldRecord, action) {
    var nothing = null;
    return nothing.field('number');
}

function refuseAction(record, oldRecord, action) {
    sys.exceptions.throwException('badRequest', 'Nope: ' + record.field('number').val());
}

function loopAction(action) {
    while (true) {
    }
}

function singleAction(record, oldRecord, action) {
    return record;
}

function setAmountAction(record, oldRecord, action) {
    return {amount: record.field('amount').val(), before: oldRecord.field('amount').val(), version: record.version()};
}

function isBig(record) {
    return record.field('amount').isNotEmpty() && record.field('amount').val() > 100;
}

function touchAction(record, oldRecord, action) {
    record.field('note').val('touched');
    sys.data.save(record);
}

function noopAction(record, oldRecord, action) {
}

function namesAction(action, record) {
    return {action: action.name(), number: record.field('number').val()};
}

function positionalAction(r, old, a) {
    return {action: a.name(), same: old.field('number').val() === r.field('number').val()};
}

function manyByNameAction(record, oldRecord, action) {
    return {recordIsNull: record === null, oldIsNull: oldRecord === null, action: action.name()};
}

function emptyAction(query, action) {
}

function valuesAction(action) {
    return {date: new Date(1000), big: new sys.utils.numbers.BigNumber('1.50').plus(1), list: [1, 'a', null],
        nested: {x: true}, fn: function () {}, undef: undefined};
}

function paramsAction(record, oldRecord, action) {
    return {when: action.field('when').val().getTime(), lines: action.field('lines').size(),
        qty: action.field('lines[0].qty').val()};
}

function whereAmIAction(record, oldRecord, action) {
    sys.jobs.logInfo('hello from ' + record.field('number').val());
    var job = sys.jobs.getCurrentJob();
    return {job: sys.jobs.getCurrentJobId(), type: job ? job.type() : null};
}
