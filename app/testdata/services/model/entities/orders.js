// The partner's API through the api service (extensions/services/api.json).

function quoteAction(action) {
    var r = svc.api.post({url: '/quotes', headers: {'X-Trace': 'trace-1'},
        body: {item: action.field('item').val(), qty: 2}, settings: {fullResponse: true}});
    return {status: r.status, price: r.body.price, item: r.body.item, app: r.body.app, trace: r.body.trace};
}

// A missing item is a 404 the script handles; any other failure of the
// partner fails the action.
function lookupAction(action) {
    try {
        return svc.api.get({url: '/items/' + action.field('item').val()});
    } catch (e) {
        if (e.additionalInfo && e.additionalInfo.status === 404) {
            return {found: false, reason: e.additionalInfo.body.error};
        }
        throw e;
    }
}

function registerAction(record, oldRecord, action) {
    var r = svc.api.post({url: '/orders', body: {number: record.field('number').val()}});
    record.field('partnerRef').val(r.ref);
    sys.data.save(record);
}
