/* chd/codec.c - the codec table: every codec libchd knows, found by its tag. */
#include "chdint.h"
#include "codec.h"

static const struct chd_codec_ops *const codecs[] = {
	&chd_codec_zlib,
	&chd_codec_cdzl,
	&chd_codec_lzma,
	&chd_codec_huff,
	&chd_codec_flac,
	&chd_codec_cdlz,
	&chd_codec_cdfl,
};

const struct chd_codec_ops *chd_codec_find(uint32_t tag)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (codecs[i]->tag == tag)
			return codecs[i];
	return NULL;
}

const char *chd_codec_name(uint32_t tag, char buf[5])
{
	const struct chd_codec_ops *c = chd_codec_find(tag);

	if (c)
		return c->name;
	if (tag == CHD_CODEC_NONE)
		return "none";
	return chd_tag_text(tag, buf);
}
