// summarize reads the attached CSV (headers name,amount), sums the
// amounts, writes a CSV report with one row per name and the total, and
// attaches it as the record's report.
function summarize(record) {
    var reader = sys.files.open(record.field('attachment').id(), 'text/csv');
    var rows = 0, total = 0, names = [];
    try {
        var headers = reader.readHeaders();
        var row;
        while ((row = reader.readRowMap()) !== null) {
            rows++;
            total += parseFloat(row.amount);
            names.push(row.name);
        }
    } finally {
        reader.close();
    }
    var writer = sys.files.create('summary.csv', 'text/csv');
    try {
        writer.writeHeaders(['name', 'total']);
        for (var i = 0; i < names.length; i++) {
            writer.writeRowMap({name: names[i], total: ''});
        }
        writer.writeRow(['all', String(total)]);
    } finally {
        writer.close();
    }
    record.field('report').val({id: writer.descriptor().id()});
    sys.data.save(record);
    return {headers: headers, rows: rows, total: total, report: writer.descriptor().name(),
        reportSize: writer.descriptor().size(), reportType: writer.descriptor().type()};
}

// inspect describes the attachment through the wrapper and reads it back
// line by line and as base64.
function inspect(record) {
    var f = record.field('attachment');
    if (f.isEmpty()) {
        return {empty: true};
    }
    var lines = [], reader = sys.files.open(f.id());
    var line;
    while ((line = reader.readLine()) !== null) {
        lines.push(line);
    }
    reader.close();
    return {id: f.id(), name: f.name(), value: f.val(), contentType: f.contentType(), size: f.size(),
        hash: f.hash(), content: f.content(), lines: lines, descriptor: reader.descriptor().name()};
}

// attachNew replaces the report by a new file set through the wrapper's
// setters, and saves.
function attachNew(record) {
    var f = record.field('report');
    f.val(null);
    f.name('note.txt');
    f.contentType('text/plain');
    f.content('aGVsbG8gZnJvbSBhIHNjcmlwdA==');
    sys.data.save(record);
    return {id: record.field('report').id(), name: record.field('report').name(), value: record.field('report').val()};
}

// leaveOpen starts writing a file and returns without closing it.
function leaveOpen(record) {
    var writer = sys.files.create('never.txt');
    writer.writeLine('half');
    return {ok: true};
}

// readParam answers what it was given as its file parameter.
function readParam(record, oldRecord, action) {
    var f = action.field('input');
    return {id: f.id(), name: f.name(), content: f.content()};
}
