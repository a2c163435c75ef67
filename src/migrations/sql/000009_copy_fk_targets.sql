-- A dropped foreign key keeps the table it references, so it can be added back as soon as both of its tables are
-- loaded, while other tables are still being copied.
ALTER TABLE cleave.copy_dropped_constraints ADD COLUMN IF NOT EXISTS references_table text;
