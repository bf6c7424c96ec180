// Runway's HTTP package (pkg.<name>.api): the documented calls of the
// platform's HTTP package, sent through the package's http service
// (dependencies.http). Every call takes (path, httpOptions, callbackData,
// callbacks), where path may also be the whole options object (httpOptions
// is then ignored): the http service's options (url, params, headers, body,
// authorization, settings) plus path, which is appended to the package's
// baseUrl.

var service = dependencies.http;

var optionKeys = ['url', 'path', 'params', 'headers', 'body', 'authorization', 'settings'];

function isPlainObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function copy(o) {
    var out = {};
    if (isPlainObject(o)) {
        for (var k in o) {
            if (Object.prototype.hasOwnProperty.call(o, k)) out[k] = o[k];
        }
    }
    return out;
}

// requestOptions reads the two call forms: an options object, or a path
// with options (or with a bare body when none of the option keys is there).
function requestOptions(pathOrOptions, httpOptions) {
    if (isPlainObject(pathOrOptions)) return copy(pathOrOptions);
    var options = copy(httpOptions);
    var hasOptionKey = optionKeys.some(function (k) { return k in options; });
    if (!hasOptionKey && httpOptions !== undefined && httpOptions !== null) {
        options = {body: httpOptions};
    }
    if (pathOrOptions !== undefined && pathOrOptions !== null && pathOrOptions !== '') {
        options.path = String(pathOrOptions);
    }
    return options;
}

// headerList reads the "key=value,key2=value2" of defaultHeaders.
function headerList(text) {
    var out = {};
    if (!text) return out;
    String(text).split(',').forEach(function (pair) {
        var i = pair.indexOf('=');
        if (i > 0) out[pair.substring(0, i).trim()] = pair.substring(i + 1).trim();
    });
    return out;
}

function hasHeader(headers, name) {
    name = name.toLowerCase();
    for (var k in headers) {
        if (k.toLowerCase() === name) return true;
    }
    return false;
}

function prepare(pathOrOptions, httpOptions) {
    var cfg = config.get() || {};
    var options = requestOptions(pathOrOptions, httpOptions);
    if (!options.url) {
        var path = options.path || cfg.emptyPath || '';
        options.url = (cfg.baseUrl || '') + path;
    }
    delete options.path;
    var headers = headerList(cfg.defaultHeaders);
    var given = copy(options.headers);
    for (var h in given) headers[h] = given[h];
    var download = isPlainObject(options.settings) && options.settings.forceDownload;
    if (!hasHeader(headers, 'Content-Type') && !download) headers['Content-Type'] = 'application/json';
    options.headers = headers;
    if (!options.authorization) {
        switch (cfg.authType) {
            case 'basic':
            case 'digest':
                options.authorization = {type: cfg.authType, username: cfg.username, password: cfg.password};
                break;
            case 'oauth2':
                options.authorization = {type: 'oauth2', headerPrefix: 'Bearer',
                    accessToken: sys.storage.get(cfg.id + ' - access_token', {decrypt: true})};
                break;
        }
    }
    return options;
}

function method(name) {
    return function (pathOrOptions, httpOptions, callbackData, callbacks) {
        return service[name](prepare(pathOrOptions, httpOptions), callbackData, callbacks);
    };
}

['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].forEach(function (m) {
    exports[m] = method(m);
});

function mergeJSON(a, b) {
    var out = copy(a);
    var more = copy(b);
    for (var k in more) out[k] = more[k];
    return out;
}

exports.utils = {
    fromDateToTimestamp: function (date) {
        return date ? {timestamp: new Date(date).getTime()} : null;
    },
    fromTimestampToDate: function (timestamp) {
        return new Date(timestamp);
    },
    getConfiguration: function (property) {
        return property ? config.get(property) : JSON.stringify(config.get());
    },
    concatQuery: function (path, key, value) {
        return (path || '') + (path && path.indexOf('?') >= 0 ? '&' : '?') + key + '=' + value;
    },
    mergeJSON: mergeJSON,
    verifySignature: function (body, signature, signature256) {
        var secret = config.get('webhookSecret');
        if (!body || !secret) return false;
        var ok1 = !!signature && sys.utils.crypto.verifySignatureWithHmac(body, String(signature).replace('sha1=', ''), secret, 'HmacSHA1');
        var ok256 = !!signature256 && sys.utils.crypto.verifySignatureWithHmac(body, String(signature256).replace('sha256=', ''), secret, 'HmacSHA256');
        return ok1 || ok256;
    }
};
