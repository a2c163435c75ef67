-- A SQLite rowid table keyed by something else is copied in rowid ranges: its checkpoint is then a rowid
-- (position 'rowid'), kept with the key of the row it names, so that a resumed copy can see that the rowid still
-- names that row (a rebuilt file may renumber rowids).
ALTER TABLE cleave.copy_progress ADD COLUMN IF NOT EXISTS position text NOT NULL DEFAULT 'key'
  CHECK (position IN ('key', 'rowid'));
ALTER TABLE cleave.copy_progress ADD COLUMN IF NOT EXISTS last_row_key jsonb;
