-- Resellers may sign in with a password (dashboard, seed 004's auth/login).
ALTER TABLE resellers ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
