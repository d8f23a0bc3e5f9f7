// Azurite as devhost/azurite.py starts it: `node devhost/azurite.cjs <azurite options>`.
//
// Azurite saves its data and exits on SIGINT or SIGTERM; killed, it loses its latest writes.
// On Windows the only console event a process can send to another is Ctrl-Break (to a process
// group of its own: devhost/processes.py), which Node raises as SIGBREAK. Azurite does not
// listen for it, and Node's default is to exit at once, so here Ctrl-Break runs Azurite's own
// SIGINT shutdown. Elsewhere SIGBREAK never comes and this is plain Azurite. Running Node
// directly, not node_modules\.bin\azurite.cmd, also keeps cmd.exe (and its "Terminate batch
// job?" prompt) out of the way.
"use strict";

process.on("SIGBREAK", () => process.emit("SIGINT"));
require("azurite/dist/src/azurite.js");
