// C functions the page calls from JavaScript (index.html, tests/web/smoke.mjs).
// Each is extern "C" + EMSCRIPTEN_KEEPALIVE, which exports it as Module._<name> without listing it
// in -sEXPORTED_FUNCTIONS. Call them with Module.ccall / Module.cwrap, e.g.
//   const frames = Module.ccall('convpad_frame_count', 'number', [], []);
// Validate every argument here: they come from JS and must never crash the tab.
#include "app/app.h"
#include "app/shell.h"

#include <emscripten.h>

extern "C" {

// Frames the shell has rendered (a double, since JS numbers cannot hold every uint64).
EMSCRIPTEN_KEEPALIVE double convpad_frame_count() {
    return double(convpad::app::shell_frame_count());
}

}  // extern "C"

namespace convpad::app {
void request_model_download() { EM_ASM({ if (window.convpad && window.convpad.downloadModel) window.convpad.downloadModel(); }); }
void request_model_upload() { EM_ASM({ if (window.convpad && window.convpad.pickModelFile) window.convpad.pickModelFile(); }); }
}  // namespace convpad::app
