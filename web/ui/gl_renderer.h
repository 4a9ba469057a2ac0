// Draws Dear ImGui's draw lists with WebGL 2, in place of ImGui's OpenGL3 backend. That backend reads
// about twenty pieces of GL state back every frame to restore them afterwards; in WebGL each read is a
// synchronous round trip that blocks the page's main thread until the GPU process has caught up (with
// software rendering, most of every frame). The UI is the context's only user, so this renderer sets what
// it needs each frame and reads nothing back.
#pragma once

struct ImDrawData;

namespace convpad::app {

class GlRenderer {
public:
    // Compiles the shaders and makes the buffers; false (with a message on stderr) if WebGL refuses them.
    bool init();
    // The font atlas as a texture, each time the atlas is built (at start, and for a new pixel ratio).
    void upload_fonts();
    void render(const ImDrawData& draw_data);

private:
    void set_state(const ImDrawData& draw_data, int fb_width, int fb_height);

    unsigned program_ = 0, vertex_array_ = 0, vertices_ = 0, indices_ = 0, font_texture_ = 0;
    int projection_at_ = -1, texture_at_ = -1;
};

}  // namespace convpad::app
