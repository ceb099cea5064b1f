"""Wire formats shared by the client and the server: pure functions over bytes, no I/O."""
