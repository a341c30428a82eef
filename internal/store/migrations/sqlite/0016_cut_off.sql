-- A product's daily cut-off in WIB ("HH:MM-HH:MM", may cross midnight; '' for none):
-- the hours it is not sold in, on every surface (issue 17, Digiflazz's start_cut_off
-- and end_cut_off).
ALTER TABLE products ADD COLUMN cut_off TEXT NOT NULL DEFAULT '';
