"""The way to Xero for one organisation: a Xero user's grant and its tokens, the access gate every call goes
through, and the call budget shared by every process."""
