function other(config) {}
