package sqlstore

import "database/sql"

// WriterDB exposes the writer pool to the tests, to look at rows the Store's methods hide.
func WriterDB(s *Store) *sql.DB { return s.writer }

// IsNumberTaken exposes isNumberTaken, to test it on both drivers' real errors.
var IsNumberTaken = isNumberTaken
