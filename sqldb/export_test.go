package sqldb

// BoardRowsRead exposes the count of result rows ScanLeaderboard read, for
// the external tests.
var BoardRowsRead = &boardRowsRead
