package io.gantry.net.dns;

import io.gantry.net.NetworkException;
import io.gantry.net.files.ResolvConf;
import io.gantry.net.host.Netns;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import java.util.function.IntFunction;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The built-in DNS of a node: one UDP listener per network, on that network's gateway address
 * (containers' resolv.conf points there), each answering from its own {@link NameView} only, so
 * a network never sees another's names. Names a view does not know are forwarded to the
 * upstream resolvers (in order, each given {@code upstreamTimeout}); the reply goes back
 * unchanged except for the query id. Our own answers have TTL 0. TCP is served too (same
 * answers, no 20-record cap; a capped UDP answer has the TC bit so clients retry over TCP).
 */
public final class BuiltinDns implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BuiltinDns.class);
    public static final int DNS_PORT = 53;
    /** Keep UDP answers below 512 bytes without EDNS: at most this many A records. */
    static final int MAX_ANSWERS = 20;

    private final List<InetSocketAddress> upstreams;
    private final Duration upstreamTimeout;
    private final int port;
    private final EventLoopGroup group;
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextId;
    private final Channel upstreamChannel;

    private record Served(NameView view, Channel udp, Channel tcp) {
    }

    /** Where and how to answer one query: over UDP (a datagram to the client) or TCP (its connection). */
    private record ReplyTo(Channel channel, IntFunction<DnsResponse> newResponse, boolean udp) {
    }

    private record Pending(ReplyTo replyTo, int clientId, DnsQuestion question, boolean recursionDesired, int upstreamIndex,
                           ScheduledFuture<?> timeout) {
    }

    /**
     * @param upstreams       where unknown names go (see {@link #hostUpstreams}); empty: SERVFAIL
     * @param upstreamTimeout how long to wait for each upstream
     * @param port            53, or another for tests
     * @param seed            start of the upstream query ids
     */
    public BuiltinDns(List<InetSocketAddress> upstreams, Duration upstreamTimeout, int port, long seed) {
        this.upstreams = List.copyOf(upstreams);
        this.upstreamTimeout = upstreamTimeout;
        this.port = port;
        this.nextId = new AtomicInteger((int) (seed & 0xffff));
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            this.upstreamChannel = new Bootstrap().group(group)
                    .channelFactory(() -> new NioDatagramChannel(SocketProtocolFamily.INET))
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline().addLast(new DatagramDnsQueryEncoder(), new DatagramDnsResponseDecoder(), new UpstreamHandler());
                        }
                    }).bind(new InetSocketAddress(0)).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new NetworkException("cannot open the DNS forwarder socket: " + e.getMessage(), e);
        }
    }

    /** The nameservers of a resolv.conf (the host's by default) as UDP port-53 addresses. */
    public static List<InetSocketAddress> hostUpstreams(Path resolvConf) {
        try {
            List<InetSocketAddress> out = new ArrayList<>();
            for (String ns : ResolvConf.parse(Files.readString(resolvConf)).nameservers()) {
                InetAddress a = InetAddress.ofLiteral(ns);
                out.add(new InetSocketAddress(a, DNS_PORT));
            }
            return out;
        } catch (IOException | IllegalArgumentException e) {
            throw new NetworkException("cannot read upstream resolvers from " + resolvConf + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts answering for {@code network} on {@code gateway}:port (the gateway address must exist).
     * {@code netns}: the namespace holding the gateway, or null for this process's own. Idempotent.
     */
    public NameView serve(String network, Inet4Address gateway, Path netns) {
        Served existing = served.get(network);
        if (existing != null) {
            return existing.view();
        }
        NameView view = new NameView(network);
        InetSocketAddress at = new InetSocketAddress(gateway, port);
        Channel[] ch = Netns.callIn(netns, () -> {
            Channel udp = null;
            try {
                udp = new Bootstrap().group(group)
                        .channelFactory(() -> new NioDatagramChannel(SocketProtocolFamily.INET))
                        .handler(new ChannelInitializer<DatagramChannel>() {
                            @Override
                            protected void initChannel(DatagramChannel c) {
                                c.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new UdpQueryHandler(view));
                            }
                        }).bind(at).syncUninterruptibly().channel();
                Channel tcp = new ServerBootstrap().group(group)
                        .channelFactory(() -> new NioServerSocketChannel())
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel c) {
                                c.pipeline().addLast(new TcpDnsQueryDecoder(), new TcpDnsResponseEncoder(), new TcpQueryHandler(view));
                            }
                        }).bind(at).syncUninterruptibly().channel();
                return new Channel[]{udp, tcp};
            } catch (RuntimeException e) {
                if (udp != null) {
                    udp.close();
                }
                throw new NetworkException("cannot serve DNS for network " + network + " on " + gateway.getHostAddress() + ":" + port
                        + ": " + e.getMessage(), e);
            }
        });
        served.put(network, new Served(view, ch[0], ch[1]));
        log.info("DNS for network {} on {}:{}", network, gateway.getHostAddress(), port);
        return view;
    }

    public Optional<NameView> view(String network) {
        return Optional.ofNullable(served.get(network)).map(Served::view);
    }

    /** Stops answering for the network. */
    public void stop(String network) {
        Served s = served.remove(network);
        if (s != null) {
            s.udp().close().syncUninterruptibly();
            s.tcp().close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        for (String n : List.copyOf(served.keySet())) {
            stop(n);
        }
        upstreamChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        private final NameView view;

        UdpQueryHandler(NameView view) {
            this.view = view;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            InetSocketAddress local = query.recipient();
            InetSocketAddress client = query.sender();
            answer(view, query, client, new ReplyTo(ctx.channel(), id -> new DatagramDnsResponse(local, client, id, DnsOpCode.QUERY), true));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("DNS query for {} failed: {}", view.network(), cause.toString());
        }
    }

    private final class TcpQueryHandler extends SimpleChannelInboundHandler<DefaultDnsQuery> {
        private final NameView view;

        TcpQueryHandler(NameView view) {
            this.view = view;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DefaultDnsQuery query) {
            answer(view, query, (InetSocketAddress) ctx.channel().remoteAddress(),
                    new ReplyTo(ctx.channel(), id -> new DefaultDnsResponse(id, DnsOpCode.QUERY), false));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("DNS/TCP query for {} failed: {}", view.network(), cause.toString());
            ctx.close();
        }
    }

    private void answer(NameView view, DnsQuery query, InetSocketAddress client, ReplyTo to) {
        DnsQuestion q = query.count(DnsSection.QUESTION) > 0 ? query.recordAt(DnsSection.QUESTION) : null;
        if (q == null) {
            reply(to, query.id(), null, query.isRecursionDesired(), DnsResponseCode.FORMERR, List.of(), false);
            return;
        }
        NameView answering = viewFor(view, client, q.name());
        if (answering == null) {
            forward(to, query.id(), copy(q), query.isRecursionDesired(), 0);
            return;
        }
        List<DnsRecord> answers = new ArrayList<>();
        boolean truncated = false;
        if (q.type() == DnsRecordType.A || q.type() == DnsRecordType.ANY) {
            for (Inet4Address a : answering.resolve(q.name())) {
                if (to.udp() && answers.size() == MAX_ANSWERS) {
                    truncated = true; // the client retries over TCP and gets them all
                    break;
                }
                answers.add(new DefaultDnsRawRecord(q.name(), DnsRecordType.A, 0, Unpooled.wrappedBuffer(a.getAddress())));
            }
        }
        reply(to, query.id(), copy(q), query.isRecursionDesired(), DnsResponseCode.NOERROR, answers, truncated);
    }

    /**
     * The view that knows the name: the network the query arrived on, else another network the
     * querying container is also a member of (same member id), so a container attached to
     * several networks resolves the names of all of them through its one nameserver.
     */
    private NameView viewFor(NameView arrivedOn, InetSocketAddress client, String name) {
        if (arrivedOn.knows(name)) {
            return arrivedOn;
        }
        if (!(client.getAddress() instanceof Inet4Address from)) {
            return null;
        }
        Optional<String> member = arrivedOn.memberAt(from);
        if (member.isEmpty()) {
            return null;
        }
        for (Served s : served.values()) {
            if (s.view() != arrivedOn && s.view().hasMember(member.get()) && s.view().knows(name)) {
                return s.view();
            }
        }
        return null;
    }

    private static DnsQuestion copy(DnsQuestion q) {
        return new DefaultDnsQuestion(q.name(), q.type(), q.dnsClass());
    }

    private void forward(ReplyTo to, int clientId, DnsQuestion q, boolean rd, int upstreamIndex) {
        if (upstreamIndex >= upstreams.size()) {
            reply(to, clientId, q, rd, DnsResponseCode.SERVFAIL, List.of(), false);
            return;
        }
        int id = nextId.getAndIncrement() & 0xffff;
        ScheduledFuture<?> timeout = group.next().schedule(() -> {
            Pending p = pending.remove(id);
            if (p != null) {
                forward(p.replyTo(), p.clientId(), p.question(), p.recursionDesired(), p.upstreamIndex() + 1);
            }
        }, upstreamTimeout.toMillis(), TimeUnit.MILLISECONDS);
        pending.put(id, new Pending(to, clientId, q, rd, upstreamIndex, timeout));
        DatagramDnsQuery up = new DatagramDnsQuery(null, upstreams.get(upstreamIndex), id);
        up.setRecursionDesired(rd);
        up.addRecord(DnsSection.QUESTION, copy(q));
        upstreamChannel.writeAndFlush(up);
    }

    private final class UpstreamHandler extends SimpleChannelInboundHandler<DatagramDnsResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsResponse response) {
            Pending p = pending.remove(response.id());
            if (p == null || !response.sender().equals(upstreams.get(p.upstreamIndex()))) {
                if (p != null) {
                    pending.put(response.id(), p); // an answer from someone we did not ask: ignore
                }
                return;
            }
            p.timeout().cancel(false);
            DnsResponse out = p.replyTo().newResponse().apply(p.clientId());
            out.setCode(response.code());
            out.setRecursionDesired(p.recursionDesired());
            out.setRecursionAvailable(true);
            out.setTruncated(response.isTruncated());
            out.addRecord(DnsSection.QUESTION, p.question());
            for (DnsSection s : List.of(DnsSection.ANSWER, DnsSection.AUTHORITY, DnsSection.ADDITIONAL)) {
                for (int i = 0; i < response.count(s); i++) {
                    DnsRecord r = response.recordAt(s, i);
                    if (r.type() == DnsRecordType.OPT) {
                        continue;
                    }
                    out.addRecord(s, r instanceof DnsRawRecord raw ? raw.retainedDuplicate() : r);
                }
            }
            p.replyTo().channel().writeAndFlush(out);
        }
    }

    private static void reply(ReplyTo to, int id, DnsQuestion q, boolean rd, DnsResponseCode code, List<DnsRecord> answers,
                              boolean truncated) {
        DnsResponse r = to.newResponse().apply(id);
        r.setCode(code);
        r.setRecursionDesired(rd);
        r.setRecursionAvailable(true);
        r.setAuthoritativeAnswer(code == DnsResponseCode.NOERROR && q != null);
        r.setTruncated(truncated);
        if (q != null) {
            r.addRecord(DnsSection.QUESTION, q);
        }
        for (DnsRecord a : answers) {
            r.addRecord(DnsSection.ANSWER, a);
        }
        to.channel().writeAndFlush(r);
    }
}
