-- The client's own id of an inquiry (issue 17): Digiflazz's buyer API checks a bill
-- (inq-pasca) and pays it (pay-pasca) under one ref_id of the client's, so the
-- /compat/digiflazz dialect keeps that ref_id with the inquiry it made. One ref_id
-- names one inquiry of a reseller: a repeated inq-pasca finds it instead of asking a
-- supplier again. NULL for inquiries of the other surfaces.
ALTER TABLE inquiries ADD COLUMN client_ref TEXT;
CREATE UNIQUE INDEX inquiries_client_ref ON inquiries(reseller_id, client_ref) WHERE client_ref IS NOT NULL;
