-- Whether a camera keeps recordings it can list and replay (ONVIF Profile G: recording
-- search and replay services), as registration found it. NULL: registered before this
-- was asked.
ALTER TABLE cameras ADD COLUMN profile_g boolean;
