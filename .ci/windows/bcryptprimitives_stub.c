/* Wine CI shim: Windows 10 and 11 have bcryptprimitives.dll with ProcessPrng, which Rust's
   standard library calls for random numbers (since Rust 1.78: nh3 needs it); Wine 8 lacks it.
   This one fills the buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine has.
   Never ship it. */
#include <windows.h>

typedef BOOLEAN(WINAPI *gen_random)(PVOID, ULONG);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    static gen_random generate;
    if (!generate) {
        HMODULE advapi = LoadLibraryA("advapi32.dll");
        generate = advapi ? (gen_random)GetProcAddress(advapi, "SystemFunction036") : NULL;
    }
    while (length) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!generate || !generate(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
