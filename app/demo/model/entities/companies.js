// Scripts of the companies entity.

// Label of an address item: "<state> - <zipCode>", e.g. "NV - 89145".
function addressLabel(record, nested) {
    return nested.field('state').val() + ' - ' + nested.field('zipCode').val();
}
