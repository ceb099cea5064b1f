-- The members of each room, as the server last said (a JSON list of user names; NULL until
-- known): the composer completes @names from it, for people who have not written yet.
ALTER TABLE chat_rooms ADD COLUMN members TEXT;
